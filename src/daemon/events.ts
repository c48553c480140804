// The daemon's event bus: create/connect/disconnect/delete events, streamed by `GET /events` as
// newline-delimited JSON in Docker's events message shape.

import type { EventDto } from "../api/dto.js";

export type EventListener = (e: EventDto) => void;

export class EventBus {
  readonly #listeners = new Set<EventListener>();

  emit(type: EventDto["Type"], action: string, id: string, attributes: Record<string, string> = {}): void {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const e: EventDto = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, time: Number(nowNs / 1_000_000_000n), timeNano: Number(nowNs) };
    for (const l of this.#listeners) {
      try { l(e); } catch { /* a broken subscriber must not break the operation */ }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
