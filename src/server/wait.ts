// A pause, and a wait that gives up (the server's on a Redis that stopped answering, say, or a
// revert's on an editor binding that is slow to write).

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `work` settles (fulfilled or rejected: the caller only waits) or `ms` have passed,
 * whichever comes first; true when the work settled in time.
 */
export async function within(work: PromiseLike<unknown> | undefined, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      Promise.resolve(work).then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
