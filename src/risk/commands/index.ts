/** The risk context's write side: one command and handler per use case, each on handleCommand (no side effects). */
import { AdoptRiskCandidateHandler } from './adopt-candidate';
import { RunAssessmentHandler } from './assessment-command';
import { CompleteRiskAssessmentHandler } from './complete-assessment';
import { DismissRiskCandidateHandler } from './dismiss-candidate';
import { EstablishRiskProgramHandler } from './establish-program';
import { IdentifyRiskHandler } from './identify-risk';
import { ProposeRiskCandidateHandler } from './propose-candidate';
import { RegisterRiskAssetHandler } from './register-asset';
import { StartRiskAssessmentHandler } from './start-assessment';

export { AdoptRiskCandidateCommand } from './adopt-candidate';
export { RunAssessmentCommand, type AssessmentAction } from './assessment-command';
export { CompleteRiskAssessmentCommand } from './complete-assessment';
export { DismissRiskCandidateCommand } from './dismiss-candidate';
export { EstablishRiskProgramCommand } from './establish-program';
export { IdentifyRiskCommand } from './identify-risk';
export { ProposeRiskCandidateCommand } from './propose-candidate';
export { RegisterRiskAssetCommand } from './register-asset';
export { StartRiskAssessmentCommand } from './start-assessment';

export const RISK_COMMAND_HANDLERS = [
  EstablishRiskProgramHandler,
  StartRiskAssessmentHandler,
  RegisterRiskAssetHandler,
  IdentifyRiskHandler,
  RunAssessmentHandler,
  CompleteRiskAssessmentHandler,
  ProposeRiskCandidateHandler,
  AdoptRiskCandidateHandler,
  DismissRiskCandidateHandler,
];
