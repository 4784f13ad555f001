// Dependency edges of the topology drawing routed around the boxes (issue 17: "lines must not cross
// boxes"). The drawing is rows of boxes with free space between them: a horizontal channel in each gap
// between rows and a vertical lane in each gap between boxes of a row (and the margins). An edge leaves
// its box sideways into the lane beside it (or, from a host's box, straight up or down into the
// channel), runs along the channel next to its row, crosses any rows between in a lane that is free in
// all of them, runs along the channel next to the target's row, and enters the target from the side,
// so the arrowhead lands on it. Corners are rounded; edges sharing a lane are spread a few pixels apart.
// Pure geometry, no DOM.

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One row of the drawing: its vertical extent and the boxes in it. */
export interface Band {
  top: number;
  bottom: number;
  boxes: Box[];
}

export interface Endpoint {
  /** The node the line starts or ends at (an instance, a logical service, or a host's box). */
  node: Box;
  /** The box it sits in (the host's box for an instance; the node itself otherwise). */
  box: Box;
  /** Leave from the box's top or bottom edge at this x (a host's shared edge), not from the side. */
  fromEdgeX?: number;
}

const CLEAR = 6;
const RADIUS = 8;

const centerX = (box: Box) => box.x + box.w / 2;
const centerY = (box: Box) => box.y + box.h / 2;

function bandOf(bands: readonly Band[], box: Box): number {
  const index = bands.findIndex((band) => box.y >= band.top - 1 && box.y + box.h <= band.bottom + 1);
  return index === -1 ? 0 : index;
}

/** The y of the channel between band `index` and the next one (below the last band: under it). */
function channelBelow(bands: readonly Band[], index: number): number {
  const band = bands[index]!;
  const next = bands[index + 1];
  return next ? (band.bottom + next.top) / 2 - 8 : band.bottom + 14;
}

/** The lane beside `box` in its band, on the side towards `towardsX`: the middle of the gap to the neighbour. */
function laneBeside(band: Band, box: Box, towardsX: number, width: number): { x: number; side: "left" | "right" } {
  const right = towardsX >= centerX(box);
  if (right) {
    const next = band.boxes.filter((other) => other.x >= box.x + box.w).sort((a, b) => a.x - b.x)[0];
    return { x: next ? (box.x + box.w + next.x) / 2 : Math.min(width - 4, box.x + box.w + 22), side: "right" };
  }
  const previous = band.boxes.filter((other) => other.x + other.w <= box.x).sort((a, b) => b.x - a.x)[0];
  return { x: previous ? (previous.x + previous.w + box.x) / 2 : Math.max(4, box.x - 22), side: "left" };
}

/** An x free of every box in the bands strictly between `from` and `to`, nearest `near`. */
function freeLane(bands: readonly Band[], from: number, to: number, near: number, width: number): number {
  const between = bands.slice(Math.min(from, to) + 1, Math.max(from, to));
  if (between.length === 0) return near;
  const candidates = [8, width - 8, near, ...between.flatMap((band) => band.boxes.flatMap((box) => [box.x - 20, box.x + box.w + 20]))];
  const free = (x: number) => between.every((band) => band.boxes.every((box) => x < box.x - CLEAR || x > box.x + box.w + CLEAR));
  return candidates.filter(free).sort((a, b) => Math.abs(a - near) - Math.abs(b - near))[0] ?? 8;
}

/** Whether a horizontal segment at y between x1 and x2 would cross a box of the band. */
function blocked(band: Band, y: number, x1: number, x2: number, except: readonly Box[]): boolean {
  const [lo, hi] = x1 < x2 ? [x1, x2] : [x2, x1];
  return band.boxes.some((box) => !except.includes(box) && box.x < hi && box.x + box.w > lo && y > box.y - CLEAR && y < box.y + box.h + CLEAR);
}

/** A path through the points with rounded corners. */
export function rounded(points: ReadonlyArray<readonly [number, number]>): string {
  const clean = points.filter((point, index) => index === 0 || point[0] !== points[index - 1]![0] || point[1] !== points[index - 1]![1]);
  let d = `M${clean[0]![0]},${clean[0]![1]}`;
  for (let i = 1; i < clean.length - 1; i++) {
    const [px, py] = clean[i - 1]!;
    const [x, y] = clean[i]!;
    const [nx, ny] = clean[i + 1]!;
    const r = Math.min(RADIUS, Math.hypot(x - px, y - py) / 2, Math.hypot(nx - x, ny - y) / 2);
    const before = [x - (Math.sign(x - px) * r), y - (Math.sign(y - py) * r)];
    const after = [x + (Math.sign(nx - x) * r), y + (Math.sign(ny - y) * r)];
    d += ` L${before[0]},${before[1]} Q${x},${y} ${after[0]},${after[1]}`;
  }
  const last = clean[clean.length - 1]!;
  return `${d} L${last[0]},${last[1]}`;
}

/** The points of an edge from `from` to `to`; `spread` (a small integer) offsets it from edges it runs beside. */
export function routeEdge(bands: readonly Band[], width: number, from: Endpoint, to: Endpoint, spread: number): Array<[number, number]> {
  const offset = spread * 4;
  const fromBand = bands[bandOf(bands, from.box)]!;
  const toBand = bands[bandOf(bands, to.box)]!;
  const fromIndex = bands.indexOf(fromBand);
  const toIndex = bands.indexOf(toBand);
  const ty = centerY(to.node);
  const points: Array<[number, number]> = [];

  // Where the line runs next to its source's row: the channel towards the target (for the same row, the
  // one below; under the last row the drawing leaves room for it).
  const down = toIndex >= fromIndex;
  const startChannel = (down ? channelBelow(bands, fromIndex) : channelBelow(bands, fromIndex - 1)) + offset;
  const endChannel = (toIndex > fromIndex ? channelBelow(bands, toIndex - 1) : toIndex < fromIndex ? channelBelow(bands, toIndex) : startChannel - offset) + offset;

  if (from.fromEdgeX !== undefined) {
    points.push([from.fromEdgeX, down ? from.box.y + from.box.h : from.box.y], [from.fromEdgeX, startChannel]);
  } else {
    const lane = laneBeside(fromBand, from.box, centerX(to.box), width);
    const sy = centerY(from.node);
    points.push([lane.side === "right" ? from.node.x + from.node.w : from.node.x, sy]);
    // Same row with nothing between the two boxes: straight across the gap.
    if (fromIndex === toIndex && !blocked(fromBand, ty, lane.x, centerX(to.box), [from.box, to.box])) {
      const entry = laneBeside(toBand, to.box, centerX(from.box), width);
      points.push([lane.x + offset, sy], [lane.x + offset, ty], [entry.side === "right" ? to.node.x + to.node.w : to.node.x, ty]);
      return points;
    }
    points.push([lane.x + offset, sy], [lane.x + offset, startChannel]);
  }
  const entry = laneBeside(toBand, to.box, points[points.length - 1]![0], width);
  if (startChannel !== endChannel) {
    const cross = freeLane(bands, fromIndex, toIndex, (points[points.length - 1]![0] + entry.x) / 2, width) + offset;
    points.push([cross, startChannel], [cross, endChannel]);
  }
  points.push([entry.x + offset, endChannel], [entry.x + offset, ty], [entry.side === "right" ? to.node.x + to.node.w : to.node.x, ty]);
  return points;
}
