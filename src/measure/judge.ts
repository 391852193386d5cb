// The verdict rules as the measure layer receives them: the measure layer produces observations and
// never imports the analysis that reads them; the caller hands in src/analysis's `judge`.

import type { ServiceCatalogue } from '../catalogue/load.js';
import type { ControlNetwork } from '../catalogue/schema.js';
import type { Observations } from '../model/observations.js';
import type { ControlVerdict, ServiceVerdict } from '../model/verdict.js';

export interface Judge {
  controls(obs: Observations): ControlVerdict;
  service(svc: ServiceCatalogue, obs: Observations, controls: ControlVerdict, network: ControlNetwork): ServiceVerdict;
}
