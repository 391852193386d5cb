// Single source for the software and test versions written into every measurement.
export const SOFTWARE_NAME = 'voipprobe';
export const SOFTWARE_VERSION = '0.1.0';
/** How a helper names itself (HTTP Server header, health answer, x_voipprobe in its answers). */
export const HELPER_SOFTWARE = `${SOFTWARE_NAME}-helper/${SOFTWARE_VERSION}`;
