// The server's counters, rendered in the Prometheus text exposition format (version 0.0.4).

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([key, value]) => `${key}="${escape(value)}"`).join(',')}}`;
}

export class Counter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** `inc` without labels, for the counters bumped on every message. */
  add(by: number): void {
    this.values.set('', (this.values.get('') ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.read()}`,
    ].join('\n');
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) this.counts[i]++;
  }

  get observations(): number {
    return this.count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((bound, i) => lines.push(`${this.name}_bucket{le="${bound}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

/** Every figure the server exposes on /metrics. */
export class ServerMetrics {
  readonly connectionsAccepted = new Counter(
    'tandem_connections_accepted_total',
    'Connections admitted to a room.',
  );
  readonly connectionsRefused = new Counter(
    'tandem_connections_refused_total',
    'Connections refused, by reason (missing_token, malformed_token, forged_token, expired_token, wrong_room, bad_room, capacity).',
  );
  readonly connectionsClosed = new Counter(
    'tandem_connections_closed_total',
    'Admitted connections that ended, by close code.',
  );
  readonly updatesIn = new Counter(
    'tandem_updates_in_total',
    'Document updates received from clients and applied.',
  );
  readonly updatesOut = new Counter('tandem_updates_out_total', 'Document update messages sent to clients.');
  readonly updatesDropped = new Counter(
    'tandem_updates_dropped_total',
    'Document updates dropped, by reason (read_only, document_too_large, unintegrable: the part Yjs could not integrate).',
  );
  readonly updatesMerged = new Counter(
    'tandem_updates_merged_total',
    'Document updates that went out merged into another of the same turn (messages saved per member).',
  );
  readonly awarenessRefused = new Counter(
    'tandem_awareness_refused_total',
    'Connections closed for awareness abuse, by reason (too_large, too_many_clients).',
  );
  readonly digestChecks = new Counter(
    'tandem_digest_checks_total',
    'Verified-sync digest checks answered, by answer (same, different, not_comparable).',
  );
  readonly desyncsDetected = new Counter(
    'tandem_desyncs_detected_total',
    "Digest checks that found a client's copy different from the server's (a full resync followed).",
  );
  readonly desyncsRepaired = new Counter(
    'tandem_desyncs_repaired_total',
    'Connections whose copy matched again at the next digest check after a detected desync.',
  );
  readonly awarenessIn = new Counter('tandem_awareness_in_total', 'Awareness updates applied.');
  readonly bytesIn = new Counter('tandem_bytes_in_total', 'WebSocket message bytes received.');
  readonly bytesOut = new Counter('tandem_bytes_out_total', 'WebSocket message bytes sent.');
  readonly throttled = new Counter(
    'tandem_throttled_total',
    'Times a connection was slowed by a rate limit, by limit (messages, bytes, sync, awareness).',
  );
  readonly roomsLoadedTotal = new Counter('tandem_rooms_loaded_total', 'Rooms loaded into memory.');
  readonly roomsUnloaded = new Counter(
    'tandem_rooms_unloaded_total',
    'Rooms unloaded from memory after idling.',
  );
  readonly roomsDeleted = new Counter(
    'tandem_rooms_deleted_total',
    'Stored rooms deleted after idling past --delete-idle-after.',
  );
  readonly compactions = new Counter('tandem_compactions_total', 'Update logs folded into a snapshot.');
  readonly storageErrors = new Counter('tandem_storage_errors_total', 'Failed storage writes.');
  readonly storedUpdates = new Counter(
    'tandem_updates_stored_total',
    'Document updates committed to storage.',
  );
  readonly storageWriteSeconds = new Histogram(
    'tandem_storage_write_seconds',
    'Time to commit one group of document updates (those applied within one commit window).',
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  private readonly gauges: Gauge[];
  /** Families only some servers have (e.g. Redis figures with --redis), rendered after the rest. */
  private readonly extra: { render(): string }[] = [];

  constructor(read: { connections: () => number; roomsLoaded: () => number }) {
    this.gauges = [
      new Gauge('tandem_connections', 'Open connections admitted to a room.', read.connections),
      new Gauge('tandem_rooms_loaded', 'Rooms held in memory.', read.roomsLoaded),
      new Gauge(
        'process_resident_memory_bytes',
        'Resident memory of the server process.',
        () => process.memoryUsage().rss,
      ),
      new Gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed),
    ];
  }

  addFamily(...families: { render(): string }[]): void {
    this.extra.push(...families);
  }

  render(): string {
    const families = [
      ...this.gauges,
      this.connectionsAccepted,
      this.connectionsRefused,
      this.connectionsClosed,
      this.updatesIn,
      this.updatesOut,
      this.updatesDropped,
      this.updatesMerged,
      this.awarenessRefused,
      this.digestChecks,
      this.desyncsDetected,
      this.desyncsRepaired,
      this.awarenessIn,
      this.bytesIn,
      this.bytesOut,
      this.throttled,
      this.roomsLoadedTotal,
      this.roomsUnloaded,
      this.roomsDeleted,
      this.compactions,
      this.storedUpdates,
      this.storageErrors,
      this.storageWriteSeconds,
      ...this.extra,
    ];
    return families.map((family) => family.render()).join('\n') + '\n';
  }
}
