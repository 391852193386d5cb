// The verdict rules as the measure layer takes them (RunOptions.judge): pure functions of observations.

import type { Judge } from '../measure/judge.js';
import { summarizeControls } from './controls.js';
import { analyzeService } from './service.js';

export const judge: Judge = {
  controls: (obs) => summarizeControls(obs),
  service: (svc, obs, controls, network) => analyzeService(svc, obs, { controls, network }),
};
