/** Public surface of evidence export: the bundle builder and its HTTP route (hosted by the integrity module). */
export * from './evidence.service';
export { EvidenceController } from './http/evidence.controller';
