/** Whether process `pid` exists (EPERM: it exists but belongs to another user). Used by the host's pid-holding lock and lease files. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
