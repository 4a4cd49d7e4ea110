// The fault specs are part of the wire protocol (`chaos.inject`), so they live in shared/.
export * from '../../shared/api/chaos-faults.js';
