// Reloads on a change of the config file. The directory is watched, not the file: editors and
// `mv new.yaml understudy.yaml` replace the file, and a watch on the old inode would go quiet. Bursts of
// events (a save is often several writes) are folded into one call after `debounceMs`.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export function watchConfigFile(file: string, onChange: () => void, options: { debounceMs?: number; onError?: (error: unknown) => void } = {}): () => void {
  const path = resolve(file);
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 300;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // Some platforms do not say which file changed; then any change in the directory counts.
      if (changed !== null && changed.toString() !== name) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        onChange();
      }, debounceMs);
    });
    watcher.on("error", (error) => options.onError?.(error));
  } catch (error) {
    // Without a watch, SIGHUP still reloads; say so rather than fail the start.
    options.onError?.(error);
  }
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    watcher?.close();
  };
}
