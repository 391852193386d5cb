// When the local chains of a relay target settle it (an answer, or the path shown open by
// localisation), the question to the helpers is withdrawn: the table of what counts as settled.
import { describe, expect, it } from 'vitest';
import type { Target } from '../../../src/catalogue/schema.js';
import { PATH_OPEN_REASON, relayPathsShownOpen } from '../../../src/measure/chains.js';
import type { StunExchange } from '../../../src/model/observations.js';
import { obs, stun } from '../../support/obs.js';

const relay: Target = {
  id: 'relay',
  role: 'call',
  check: 'stun',
  host: '198.18.7.7',
  ports: [3478],
  source: 'test',
  enabled: true,
};
const open = (tx: number): StunExchange => ({
  ...stun('relay', '198.18.7.7:3478', 'silent', tx),
  x_ended_early: PATH_OPEN_REASON,
});

describe('relayPathsShownOpen', () => {
  const cases: { name: string; stun: StunExchange[]; want: boolean }[] = [
    { name: 'one chain answered', stun: [stun('relay', '198.18.7.7:3478', 'answer', 1)], want: true },
    { name: 'one chain shown open by localisation', stun: [open(1)], want: true },
    {
      name: 'a chain answered on one exchange and silent on another: settled',
      stun: [stun('relay', '198.18.7.7:3478', 'silent', 1), stun('relay', '198.18.7.7:3478', 'answer', 1)],
      want: true,
    },
    {
      name: 'one chain open, another silent: the outside view may still matter',
      stun: [open(1), stun('relay', '198.18.7.8:3478', 'silent', 2)],
      want: false,
    },
    {
      name: 'silent (timed out) without localisation',
      stun: [stun('relay', '198.18.7.7:3478', 'silent', 1)],
      want: false,
    },
    { name: 'another target answered', stun: [stun('other', '198.18.7.7:3478', 'answer', 1)], want: false },
    { name: 'nothing measured', stun: [], want: false },
  ];
  for (const c of cases) it(c.name, () => expect(relayPathsShownOpen(relay, obs({ x_stun: c.stun }))).toBe(c.want));
  it('never for a target that is not a relay', () => {
    const chat: Target = {
      id: 'relay',
      role: 'chat',
      check: 'tcp',
      host: 'c.example',
      ports: [443],
      source: 't',
      enabled: true,
    };
    expect(relayPathsShownOpen(chat, obs({ x_stun: [stun('relay', '198.18.7.7:3478', 'answer', 1)] }))).toBe(false);
  });
});
