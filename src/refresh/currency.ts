import { InputError, show } from '../errors.ts';

/**
 * Stops a refresh whose input is in another currency than the model was
 * trained on: the saved scaler, centroids and value model learned amounts in
 * that currency, so scoring euros with a pound model puts customers in the
 * wrong segments without any error.
 *
 * @param modelCurrency - `model.json`'s currency; unknown (undefined) for models that did not record one.
 * @param inputCurrencies - the distinct values of the input's currency column (empty without one).
 * @throws InputError (exit 2) naming `--input`, the currencies and the model directory.
 */
export function requireModelCurrency(modelCurrency: string | undefined, inputCurrencies: readonly string[], inputPath: string, modelDir: string): void {
  if (modelCurrency === undefined) return;
  const other = inputCurrencies.filter((c) => c.toUpperCase() !== modelCurrency);
  if (other.length === 0) return;
  throw new InputError(
    `--input ${show(inputPath)}: amounts in ${other.join(', ')}, but the model in ${show(modelDir)} was trained on ${modelCurrency}; convert the amounts, or train a model on them with discover`,
  );
}
