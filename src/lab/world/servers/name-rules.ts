// Per-hostname settings for the lab servers, the way a censor writes its lists: exact names,
// "*.example.com" suffix rules (which also match example.com itself) and "*" for any name. Names
// compare without case or trailing dot.

import { normaliseName } from '../../../net/dns-message.js';

export class NameRules<T> {
  private readonly rules = new Map<string, T>();

  set(pattern: string, value: T): this {
    this.rules.set(normaliseName(pattern), value);
    return this;
  }

  /** The rule set for exactly this pattern (no matching). */
  get(pattern: string): T | undefined {
    return this.rules.get(normaliseName(pattern));
  }

  delete(pattern: string): boolean {
    return this.rules.delete(normaliseName(pattern));
  }

  clear(): void {
    this.rules.clear();
  }

  /** The exact rule if any, else the longest matching "*." suffix rule, else "*". */
  match(name: string): T | undefined {
    const n = normaliseName(name);
    const exact = this.rules.get(n);
    if (exact !== undefined) return exact;
    const labels = n.split('.');
    for (let i = 0; i < labels.length; i++) {
      const hit = this.rules.get(`*.${labels.slice(i).join('.')}`);
      if (hit !== undefined) return hit;
    }
    return this.rules.get('*');
  }
}
