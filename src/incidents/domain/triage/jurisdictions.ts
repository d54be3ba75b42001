/** The vocabulary lives in src/shared: datasets count their individuals by the same jurisdictions. */
export { JURISDICTIONS, isJurisdiction, type Jurisdiction } from '../../../shared/jurisdictions';
