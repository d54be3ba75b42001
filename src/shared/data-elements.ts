/**
 * The kinds of information a breach involved, as state statutes define "personal information".
 * The incident records which of these were involved (its types of PHI); each state overlay says
 * which of them, alone or with a name, bring the breach under its statute. Codes, never values.
 */
export const DATA_ELEMENTS = [
  /** First name or first initial and last name. */
  'name',
  'ssn',
  /** Driver's license or state identification card number. */
  'drivers-license',
  /** Passport, military, tribal or other government-issued identification number, taxpayer id. */
  'government-id',
  /** Financial account, credit or debit card number (with any code that permits access). */
  'financial-account',
  /** User name or email address with a password or security question and answer. */
  'account-credentials',
  /** Medical history, condition, treatment or diagnosis. */
  'medical',
  /** Health insurance policy or subscriber number, or an insurer's unique identifier. */
  'health-insurance',
  /** Biometric data (fingerprint, retina or iris image, other unique physical representation). */
  'biometric',
  'date-of-birth',
  /** Genetic data. */
  'genetic',
  /**
   * Medical record number: a HIPAA identifier (164.514(b)(2)(i)(H)) that no state definition of
   * personal information names on its own; datasets declare it so exposure shows what they hold.
   */
  'medical-record-number',
] as const;

export type DataElement = (typeof DATA_ELEMENTS)[number];

/** Forms the breached records took: some statutes cover computerized data only. */
export const RECORD_FORMS = ['electronic', 'paper'] as const;
export type RecordForm = (typeof RECORD_FORMS)[number];
