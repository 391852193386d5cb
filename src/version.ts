// Single source for the software and test versions written into every measurement.
export const SOFTWARE_NAME = 'voipprobe';
export const SOFTWARE_VERSION = '0.1.0';
