/** A flow id in use: by a live flow of this workspace, or by any flow of another workspace. */
export class FlowExistsError extends Error {
  override name = 'FlowExistsError';
}
