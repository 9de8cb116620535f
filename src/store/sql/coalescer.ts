/**
 * Joins identical requests made before their write begins into one write (a burst of the same
 * trigger in one turn of the event loop): the first request of a key starts the write, which calls
 * `take` when it begins to get every request joined so far; each caller gets its own result, in the
 * order the requests came. `start` must call `take` later than synchronously (in a write batch).
 */
export class Coalescer<Request, Result> {
  private readonly pending = new Map<string, { requests: Request[]; written: Promise<Result[]> }>();

  join(key: string, request: Request, start: (take: () => readonly Request[]) => Promise<Result[]>): Promise<Result> {
    let group = this.pending.get(key);
    if (!group) {
      const requests: Request[] = [];
      const take = () => {
        this.pending.delete(key);
        return requests;
      };
      group = { requests, written: start(take) };
      this.pending.set(key, group);
    }
    const index = group.requests.push(request) - 1;
    return group.written.then((results) => results[index] as Result);
  }
}
