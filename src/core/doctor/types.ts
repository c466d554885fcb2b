export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about it (also given for harmless findings worth knowing). */
  fix?: string;
}

export interface DoctorReport {
  root: string;
  ok: boolean;
  checks: DoctorCheck[];
}

/** What the root's own machine says about the root (local: fs calls; remote: one ssh call). */
export interface DoctorInspection {
  /** Checks only that machine can make, in order: ssh connection and tools on the host (remote), root exists / writable, filesystem and hard links. */
  checks: DoctorCheck[];
  /** False when nothing more can be checked (root missing or not a folder, no connection). */
  usable: boolean;
  writable: boolean;
  /** .deleting-* folders of an interrupted prune. */
  deleting: string[];
  /** Free bytes where the root is; undefined when unknown (`freeUnknown` says why). */
  freeBytes?: number;
  freeUnknown: string;
  /** Free inodes there; undefined when unknown or not limited (btrfs). */
  freeInodes?: number;
  /** latest's path on that machine (for the repair line). */
  latestPath: string;
  /** '' locally, ` on HOST` for a remote root: appended where messages say where a thing is. */
  where: string;
}
