// Who may send to an origin now. One receiving app often serves many sites by path, so a few of its paths that
// accept requests and never answer must not hold every connection its healthy paths need (decision 023).

export interface LaneOptions {
  /** Requests in flight per origin in its responsive lane. */
  connections: number;
  /** Requests in flight per origin in its slow lane: destinations that time out or have not answered for a while. */
  slowConnections: number;
  /** Responsive slots per origin that only destinations known to answer may take, while the origin has slow ones. */
  reservedConnections: number;
  /** A request without response headers after this long moves to the slow lane (when it has a free slot). */
  slowAfterMs: number;
  /** How long a destination that timed out or moved to the slow lane starts its requests there. */
  rememberSlowMs: number;
}

/** What the lanes know about one destination URL; kept in the client's bounded memo of URLs. */
export interface Destination {
  readonly lanes: OriginLanes;
  /** Its last request got a response: it may take the reserved responsive slots. */
  answered: boolean;
  /** `performance.now()` until which its requests start in the slow lane; 0 when it is not known to be slow. */
  slowUntil: number;
}

interface Waiter {
  seq: number;
  destination: Destination;
  onIdle: () => void;
  grant: (flight: Flight) => void;
}

/** The lanes of one origin: counts and the deliveries waiting for them, oldest first. */
export class OriginLanes {
  busy = 0;
  slowBusy = 0;
  /**
   * `performance.now()` until which the reserve applies: a destination of this origin timed out or moved lately.
   * An origin whose paths all answer keeps all its responsive slots for them, known or not.
   */
  reserveUntil = 0;
  readonly answeredWaiting: Waiter[] = [];
  readonly unknownWaiting: Waiter[] = [];
  readonly slowWaiting: Waiter[] = [];

  get idle(): boolean {
    return (
      this.busy === 0 &&
      this.slowBusy === 0 &&
      this.answeredWaiting.length === 0 &&
      this.unknownWaiting.length === 0 &&
      this.slowWaiting.length === 0
    );
  }
}

/** One request's hold on a lane slot, from the grant until undici is done with the request. */
export class Flight {
  slow: boolean;
  readonly startedAt = performance.now();
  responded = false;
  released = false;
  /** Neighbours in the lanes' list of requests waiting for their response headers (a list: no hashing per request). */
  older: Flight | null = null;
  newer: Flight | null = null;
  watched = false;

  constructor(
    readonly lanes: DeliveryLanes,
    readonly destination: Destination,
    slow: boolean,
    /** Tells the delivery it no longer holds an active slot (see DeliveryHooks.onIdle). */
    readonly onIdle: () => void,
  ) {
    this.slow = slow;
  }

  /** Response headers arrived: the destination answers. */
  respond(): void {
    this.responded = true;
    this.destination.answered = true;
    this.destination.slowUntil = 0;
    this.lanes.unwatch(this);
  }

  /** undici is done with the request: its connection is free for the next one. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.lanes.free(this);
  }
}

/**
 * Per-origin lanes for a delivery client. The responsive lane serves destinations not known to be slow, its last
 * `reservedConnections` slots only those known to answer while the origin has had slow ones lately; a request that has waited `slowAfterMs` for its response
 * headers moves to the slow lane, freeing its responsive slot; a destination that timed out or moved starts its
 * next requests in the slow lane for `rememberSlowMs`. undici's pool per origin must hold both lanes, so that the
 * lanes, not undici's queue, decide who waits. The common path (a free slot) is a few field reads and no promise.
 */
export class DeliveryLanes {
  readonly #options: LaneOptions;
  readonly #origins = new Map<string, OriginLanes>();
  /** Responsive requests without response headers yet, in the order they started: the oldest are checked first. */
  #oldest: Flight | null = null;
  #newest: Flight | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  #seq = 0;

  constructor(options: LaneOptions) {
    this.#options = options;
  }

  /** The lanes of an origin, shared by all its destinations. */
  lanesOf(origin: string): OriginLanes {
    let lanes = this.#origins.get(origin);
    if (lanes === undefined) {
      lanes = new OriginLanes();
      this.#origins.set(origin, lanes);
    }
    return lanes;
  }

  /** Drops the lanes of origins nothing is sent to or waits for (when the client forgets its destinations). */
  forgetIdle(): void {
    for (const [origin, lanes] of this.#origins) if (lanes.idle) this.#origins.delete(origin);
  }

  /**
   * A slot for one request now, or a promise of one. `onIdle` is called when the request waits in the slow lane;
   * null when it waited there `maxSlowWaitMs` in vain (nothing was sent).
   */
  acquire(
    destination: Destination,
    onIdle: () => void,
    maxSlowWaitMs: number,
  ): Flight | Promise<Flight | null> {
    const lanes = destination.lanes;
    if (destination.slowUntil !== 0) {
      if (performance.now() < destination.slowUntil)
        return this.#acquireSlow(destination, onIdle, maxSlowWaitMs);
      destination.slowUntil = 0;
    }
    const { connections } = this.#options;
    const limit = destination.answered ? connections : this.#unknownLimit(lanes);
    // Waiting ahead: an answered destination, or one not known yet that could take a slot now.
    const waitingAhead =
      lanes.answeredWaiting.length > 0 ||
      (lanes.unknownWaiting.length > 0 && lanes.busy < this.#unknownLimit(lanes));
    if (lanes.busy < limit && !waitingAhead) {
      lanes.busy++;
      return this.#started(destination, false, onIdle);
    }
    return new Promise<Flight>((resolve) => {
      const queue = destination.answered ? lanes.answeredWaiting : lanes.unknownWaiting;
      queue.push({ seq: this.#seq++, destination, onIdle, grant: resolve });
    });
  }

  /** The destination did not answer in time: its next requests start in the slow lane. */
  timedOut(destination: Destination): void {
    destination.answered = false;
    destination.slowUntil = performance.now() + this.#options.rememberSlowMs;
    destination.lanes.reserveUntil = destination.slowUntil;
  }

  /** Responsive slots destinations not known to answer may hold. */
  #unknownLimit(lanes: OriginLanes): number {
    if (lanes.reserveUntil === 0) return this.#options.connections;
    if (performance.now() < lanes.reserveUntil)
      return this.#options.connections - this.#options.reservedConnections;
    lanes.reserveUntil = 0;
    return this.#options.connections;
  }

  free(flight: Flight): void {
    const lanes = flight.destination.lanes;
    if (flight.slow) {
      lanes.slowBusy--;
      this.#pumpSlow(lanes);
    } else {
      this.unwatch(flight);
      lanes.busy--;
      this.#pumpResponsive(lanes);
    }
  }

  unwatch(flight: Flight): void {
    if (!flight.watched) return;
    flight.watched = false;
    if (flight.older) flight.older.newer = flight.newer;
    else this.#oldest = flight.newer;
    if (flight.newer) flight.newer.older = flight.older;
    else this.#newest = flight.older;
    flight.older = flight.newer = null;
  }

  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }

  #acquireSlow(
    destination: Destination,
    onIdle: () => void,
    maxWaitMs: number,
  ): Flight | Promise<Flight | null> {
    const lanes = destination.lanes;
    // Waiting for, or holding, a slow slot is not active sending: the delivery's caller may take other work.
    onIdle();
    if (lanes.slowBusy < this.#options.slowConnections && lanes.slowWaiting.length === 0) {
      lanes.slowBusy++;
      return new Flight(this, destination, true, onIdle);
    }
    // Bounded: hundreds of hung destinations behind one origin's slow slots would otherwise wait for minutes,
    // past the queue's expiry of their jobs; the caller hands the delivery to the durable schedule instead.
    return new Promise<Flight | null>((resolve) => {
      const waiter: Waiter = {
        seq: this.#seq++,
        destination,
        onIdle,
        grant: (flight) => {
          clearTimeout(timer);
          resolve(flight);
        },
      };
      const timer = setTimeout(() => {
        lanes.slowWaiting.splice(lanes.slowWaiting.indexOf(waiter), 1);
        resolve(null);
      }, maxWaitMs);
      lanes.slowWaiting.push(waiter);
    });
  }

  #started(destination: Destination, slow: boolean, onIdle: () => void): Flight {
    return this.#watch(new Flight(this, destination, slow, onIdle));
  }

  #watch(flight: Flight): Flight {
    if (flight.slow) return flight;
    flight.watched = true;
    flight.older = this.#newest;
    if (this.#newest) this.#newest.newer = flight;
    else this.#oldest = flight;
    this.#newest = flight;
    if (this.#sweeper === null) {
      const every = Math.max(10, Math.floor(this.#options.slowAfterMs / 10));
      this.#sweeper = setInterval(() => this.#sweep(), every);
      this.#sweeper.unref();
    }
    return flight;
  }

  #pumpResponsive(lanes: OriginLanes): void {
    const { connections } = this.#options;
    for (;;) {
      const answered = lanes.answeredWaiting[0];
      const unknown = lanes.unknownWaiting[0];
      const answeredMay = answered !== undefined && lanes.busy < connections;
      const unknownMay = unknown !== undefined && lanes.busy < this.#unknownLimit(lanes);
      if (!answeredMay && !unknownMay) return;
      const next =
        unknownMay && (!answeredMay || unknown.seq < answered.seq)
          ? lanes.unknownWaiting.shift()!
          : lanes.answeredWaiting.shift()!;
      lanes.busy++;
      next.grant(this.#started(next.destination, false, next.onIdle));
    }
  }

  #pumpSlow(lanes: OriginLanes): void {
    while (lanes.slowBusy < this.#options.slowConnections && lanes.slowWaiting.length > 0) {
      const next = lanes.slowWaiting.shift()!;
      lanes.slowBusy++;
      next.grant(new Flight(this, next.destination, true, next.onIdle));
    }
  }

  /** Moves requests that have waited too long for their response headers to their origin's slow lane. */
  #sweep(): void {
    if (this.#oldest === null) {
      this.close();
      return;
    }
    const due = performance.now() - this.#options.slowAfterMs;
    let next: Flight | null;
    for (let flight: Flight | null = this.#oldest; flight !== null; flight = next) {
      next = flight.newer;
      if (flight.startedAt > due) break;
      const lanes = flight.destination.lanes;
      if (lanes.slowBusy >= this.#options.slowConnections) continue;
      this.unwatch(flight);
      lanes.slowBusy++;
      flight.slow = true;
      this.timedOut(flight.destination);
      lanes.busy--;
      this.#pumpResponsive(lanes);
      flight.onIdle();
    }
  }
}
