/** The data box shown, [x0, x1] × [y0, y1]. */
export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
