import fs from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { parseRange, recordingKey, type TRecordingRead, type TRecordingStore } from "./store";

export type TLocalRecordingStore = TRecordingStore & {
  readonly root: string;
  // The file a key names; throws for a key that would leave the root.
  pathOf(key: string): string;
};

// Recordings as files under RECORDINGS_DIR. Keys are relative paths with forward slashes.
export function createLocalRecordingStore(root: string): TLocalRecordingStore {
  const base = path.resolve(root);
  const pathOf = (key: string): string => {
    const file = path.resolve(base, key);
    if (!file.startsWith(base + path.sep) || key.includes("\0"))
      throw new Error(`recording key outside the recordings directory: ${key}`);
    return file;
  };
  const sizeOf = async (key: string): Promise<number | null> => {
    const info = await stat(pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    });
    return info?.isFile() ? info.size : null;
  };
  return {
    storage: "local",
    root: base,
    pathOf,
    keyFor: recordingKey,
    async put(key, body) {
      const file = pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      // Written aside and renamed, so a reader never sees half a file.
      const temp = `${file}.${process.pid}.${Date.now()}.part`;
      try {
        await writeFile(temp, body);
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async read(key, rangeHeader): Promise<TRecordingRead> {
      const totalSize = await sizeOf(key);
      if (totalSize === null) return { kind: "missing" };
      const range = parseRange(rangeHeader, totalSize);
      if (range === "invalid") return { kind: "unsatisfiable", totalSize };
      const { start, end } = range ?? { start: 0, end: totalSize - 1 };
      const body = totalSize === 0 ? Readable.from([]) : fs.createReadStream(pathOf(key), { start, end });
      return { kind: "ok", body, totalSize, range };
    },
    size: sizeOf,
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
