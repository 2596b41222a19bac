// Moved to lib/audio/wav.ts (the web app needs it too). Kept for the offline STT engine, which another change
// owns; new code imports from lib/audio.
export * from "@/lib/audio/wav";
