/** The vocabulary lives in src/shared: datasets declare the same kinds of information incidents record. */
export { DATA_ELEMENTS, RECORD_FORMS, type DataElement, type RecordForm } from '../../../shared/data-elements';
