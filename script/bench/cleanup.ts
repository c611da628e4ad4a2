/** What a benchmark started, closed in reverse order at the end (servers, temporary folders). */

export class Closers {
  private readonly list: (() => Promise<void> | void)[] = []

  /** Registers `close`; it runs before everything registered earlier. */
  add(close: () => Promise<void> | void): void {
    this.list.unshift(close)
  }

  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0)) await close()
  }
}
