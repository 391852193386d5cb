import * as full from 'undici';
import { describe, expect, it } from 'vitest';
import { Agent, Client, Pool } from '../../../src/util/undici.js';

// src/util/undici.ts loads undici's internal modules directly; this checks that they are the ones the
// package itself exports and that dispatchers get their request API, so an undici upgrade that moves
// them fails here rather than in the field.
describe('slim undici loading', () => {
  it('gives the same classes as the package index', () => {
    expect(Client).toBe(full.Client);
    expect(Agent).toBe(full.Agent);
    expect(Pool).toBe(full.Pool);
  });
  it('dispatchers have the request API', () => {
    const a = new Agent();
    expect(typeof a.request).toBe('function');
    expect(typeof a.stream).toBe('function');
    void a.close();
  });
});
