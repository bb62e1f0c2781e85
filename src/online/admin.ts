/**
 * What `status` and `clean` need of an online store besides loads and reads: what a project has
 * in it (read from the store's own layout: the pointer and each version's layout), and removing a
 * project from it. Each store implements these in its own folder (admin.ts).
 */
import type { ViewLayout } from "./layout.js";

/** A project's contents in its online store. */
export interface OnlineContents {
  /** Where the store is: the SQLite file, or the Redis URL with its password hidden. */
  store: string;
  /** Per loaded view, the layout of the version readers see (version, end time, rows, loadedAt). */
  views: Map<string, ViewLayout>;
  /** Redis: the project's keys (`fc:<project>:*`); SQLite: its value rows. Undefined unless counted. */
  entries?: number;
  /** Redis: a load holds the project's lock right now. */
  loading: boolean;
}

/** What `clear` removed. */
export interface ClearedOnline {
  /** Redis: keys unlinked; SQLite: value rows deleted. */
  removed: number;
  /** Whether the store's file went too (SQLite, when no other project was left in it). */
  fileRemoved: boolean;
}

/** Parses the layouts of the pointed-to versions; a missing or unreadable layout leaves the view out. */
export function layoutsOf(pointer: [view: string, version: number][], json: (string | null | undefined)[]): Map<string, ViewLayout> {
  const views = new Map<string, ViewLayout>();
  pointer.forEach(([view], i) => {
    const text = json[i];
    if (text) views.set(view, JSON.parse(text) as ViewLayout);
  });
  return views;
}
