/** Public surface of posture: the registry other contexts contribute sections to, and the service the CLI prints. */
export * from './posture';
export { PostureService } from './posture.module';
