/**
 * Members of Slack user groups, cached briefly. The lookup sits on the acknowledgement path of a slash
 * command (3 s budget), so answers are kept for a short TTL, concurrent lookups of one group share one
 * request, and failures are never cached.
 */
export interface UserGroupDirectory {
  members(groupId: string): Promise<ReadonlySet<string>>;
}

export type ListGroupMembers = (groupId: string) => Promise<readonly string[]>;

interface Entry {
  at: number;
  members: Promise<ReadonlySet<string>>;
}

export class CachedUserGroups implements UserGroupDirectory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly list: ListGroupMembers,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  members(groupId: string): Promise<ReadonlySet<string>> {
    const cached = this.entries.get(groupId);
    if (cached !== undefined && this.now() - cached.at < this.ttlMs) return cached.members;
    const members = this.list(groupId).then((users) => new Set(users) as ReadonlySet<string>);
    const entry: Entry = { at: this.now(), members };
    this.entries.set(groupId, entry);
    members.catch(() => {
      if (this.entries.get(groupId) === entry) this.entries.delete(groupId);
    });
    return members;
  }
}
