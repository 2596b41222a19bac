// How the voice server process is started (npm run voice, npm run dev/start, the e2e stack, bench:voice).
// --single-threaded-gc: a voice server gets one core per process, and V8's concurrent GC threads would compete
// with the event loop for it, turning "background" marking into stalls of tens of ms; incremental GC on the
// main thread keeps every pause short (bench:voice: overhead p99 at 200 calls 181 -> 76 ms).
export const VOICE_SERVER_NODE_ARGS = ["--single-threaded-gc", "--import", "tsx", "voice-server/main.ts"];
