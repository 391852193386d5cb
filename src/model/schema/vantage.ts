// Who measured: the five envelope fields that place a measurement (network, country, access, vantage).
// One record for the envelope, the run's identity lookup and the config's labels.

import { z } from 'zod';
import { ACCESS_LABELS, ASN_RE, CC_RE } from './lists.js';

export { ACCESS_LABELS, ASN_RE, CC_RE };

export const accessLabelSchema = z.enum(ACCESS_LABELS, { error: `must be one of ${ACCESS_LABELS.join(', ')}` });

export const vantageSchema = z.object({
  /** "AS36925"; "AS0" when unknown. */
  probe_asn: z.string().regex(ASN_RE, 'must look like "AS1234"'),
  /** ISO 3166 alpha-2; "ZZ" when unknown. */
  probe_cc: z.string().regex(CC_RE, 'must be two upper-case letters ("ZZ" if unknown)'),
  probe_network_name: z.string(),
  /** Our own labels (scheduled measurements from many vantage points): the access type and the box's name. */
  x_access: accessLabelSchema,
  x_vantage: z.string(),
});
