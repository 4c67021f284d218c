/** The input check lives in the compiler (pure), which also checks each input's own default and enum against it. */
export { checkInputs, checkInputValue, type InputCheck, type InputSpec } from '../../../compiler/inputs.ts';
