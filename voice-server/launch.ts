// How the voice server process is started (npm run voice, npm run dev/start, the e2e stack, bench:voice).
// --single-threaded-gc: a voice server gets one core per process, and V8's concurrent GC threads would compete
// with the event loop for it, turning "background" marking into stalls of tens of ms; incremental GC on the
// main thread keeps every pause short (bench:voice: overhead p99 at 200 calls 181 -> 76 ms).
// --initial-old-space-size: a floor under the old generation's limit. V8 otherwise sets the limit to about 1.3x
// the live heap when collection looks cheap, which at 200 calls meant a full mark-compact (about 60 ms of
// main-thread work with single-threaded GC) every 1 to 4 s; with the floor it comes every 20 s or more. Costs up to
// that much memory per process, not per call. --no-memory-reducer: no extra shrinking collections when calls
// go quiet, which the floor would make pointless anyway.
export const VOICE_SERVER_HEAP_FLOOR_MB = 192;
export const VOICE_SERVER_V8_FLAGS = ["--single-threaded-gc", `--initial-old-space-size=${VOICE_SERVER_HEAP_FLOOR_MB}`, "--no-memory-reducer"];
// Development (npm run voice, npm run dev, the benchmark): TypeScript through tsx.
export const VOICE_SERVER_NODE_ARGS = [...VOICE_SERVER_V8_FLAGS, "--import", "tsx", "voice-server/main.ts"];
// Production (npm run start:voice, npm start, the image): the bundle from npm run build:server, no loader. Without
// --enable-source-maps: it makes every Error.stack read map its frames, and barge-in aborts make errors on the hot
// path. dist/voice.mjs.map is there for reading a stack trace by hand.
export const VOICE_SERVER_PROD_ARGS = [...VOICE_SERVER_V8_FLAGS, "dist/voice.mjs"];
