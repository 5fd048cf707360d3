//! The writer thread: every room's recording reaches the disk through it, off the rooms' ticks.
//!
//! Owns: the bounded queue from the rooms (a room never waits on it: a full queue truncates
//! that room's recording), the `*.partial` files being written, and handing each finished one
//! to the store. Must not: block a sender, or leave a file half-filed: a file is renamed from
//! `*.partial` and indexed only once its end record is written and synced.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::format::{encode_header, Header, MatchEnd};
use super::recorder::Recording;
use super::store::{FinishedMatch, Store};

/// Chunks (about a second of one room each) the queue holds: a few seconds of 200 rooms.
const QUEUE_CHUNKS: usize = 1024;
/// How often the thread looks at finishes that found the queue full.
const OVERFLOW_POLL: Duration = Duration::from_millis(200);
/// How often the thread applies the retention limits besides when a match is filed, so that
/// matches age out of a server where none ends.
const RETENTION_EVERY: Duration = Duration::from_secs(60);

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

enum Chunk {
    Start {
        id: u64,
        header: Box<Header>,
        public: bool,
    },
    Append {
        id: u64,
        bytes: Vec<u8>,
    },
    Finish {
        id: u64,
        tail: Vec<u8>,
        end: MatchEnd,
        /// The appends sent before: the file is complete when that many were written.
        chunks: u32,
    },
}

struct Queue {
    sender: SyncSender<Chunk>,
    /// Finishes that found the queue full: one per match, so this stays small, and a match is
    /// never left unfiled because the queue was busy when it ended.
    overflow: Mutex<Vec<Chunk>>,
    /// Recordings started and not filed (or dropped) yet, for a shutdown to wait on.
    unfiled: AtomicUsize,
}

/// The rooms' way to the writer thread.
pub struct ReplayWriter {
    queue: Arc<Queue>,
    next_id: AtomicU64,
}

/// One recording's way to the writer.
pub struct WriterHandle {
    id: u64,
    queue: Arc<Queue>,
}

impl ReplayWriter {
    /// Starts the writer thread, filing finished matches into `store`.
    pub fn spawn(store: Store) -> std::io::Result<ReplayWriter> {
        let (sender, receiver) = mpsc::sync_channel(QUEUE_CHUNKS);
        let queue = Arc::new(Queue {
            sender,
            overflow: Mutex::new(Vec::new()),
            unfiled: AtomicUsize::new(0),
        });
        let overflow = queue.clone();
        std::thread::Builder::new()
            .name("replay-writer".into())
            .spawn(move || {
                let mut files = OpenFiles {
                    store,
                    open: HashMap::new(),
                    queue: overflow.clone(),
                };
                let mut retention_applied = Instant::now();
                loop {
                    if retention_applied.elapsed() >= RETENTION_EVERY {
                        files.store.enforce_retention();
                        retention_applied = Instant::now();
                    }
                    match receiver.recv_timeout(OVERFLOW_POLL) {
                        Ok(chunk) => files.take(chunk),
                        Err(RecvTimeoutError::Timeout) => {}
                        // Every sender is gone only when the whole server is.
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let late = std::mem::take(
                        &mut *overflow
                            .overflow
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner),
                    );
                    late.into_iter().for_each(|chunk| files.take(chunk));
                }
            })?;
        Ok(ReplayWriter {
            queue,
            next_id: AtomicU64::new(1),
        })
    }

    /// Starts recording a match described by `header`; `None` when the queue is full (the
    /// match is then not recorded).
    pub fn start(&self, header: Header, public: bool) -> Option<Recording> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tick_rate = header.tick_rate;
        let chunk = Chunk::Start {
            id,
            header: Box::new(header),
            public,
        };
        if self.queue.sender.try_send(chunk).is_err() {
            log::warn!("replay writer is behind: a new room is not recorded");
            return None;
        }
        self.queue.unfiled.fetch_add(1, Ordering::Relaxed);
        let handle = WriterHandle {
            id,
            queue: self.queue.clone(),
        };
        Some(Recording::new(handle, tick_rate))
    }
}

impl ReplayWriter {
    /// Recordings started and not yet filed: a shutdown waits (a while) for this to reach 0.
    pub fn unfiled(&self) -> usize {
        self.queue.unfiled.load(Ordering::Relaxed)
    }
}

impl WriterHandle {
    /// Queues `bytes` for the file; false when the queue is full (they are dropped).
    pub(super) fn append(&self, bytes: Vec<u8>) -> bool {
        let id = self.id;
        self.queue
            .sender
            .try_send(Chunk::Append { id, bytes })
            .is_ok()
    }

    /// Queues the file's last bytes; never refused (see `Queue::overflow`).
    pub(super) fn finish(&self, tail: Vec<u8>, end: MatchEnd, chunks: u32) {
        let id = self.id;
        let chunk = Chunk::Finish {
            id,
            tail,
            end,
            chunks,
        };
        match self.queue.sender.try_send(chunk) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(chunk)) => self
                .queue
                .overflow
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(chunk),
        }
    }
}

/// A `*.partial` file being written.
struct OpenFile {
    /// `None` once writing failed: the rest of the match is dropped and the file removed.
    file: Option<File>,
    partial: PathBuf,
    header: Box<Header>,
    public: bool,
    bytes: u64,
    chunks: u32,
    /// A finish that arrived before all of its chunks (it took the overflow path).
    finish: Option<(Vec<u8>, MatchEnd, u32)>,
}

struct OpenFiles {
    store: Store,
    open: HashMap<u64, OpenFile>,
    queue: Arc<Queue>,
}

impl OpenFiles {
    fn take(&mut self, chunk: Chunk) {
        match chunk {
            Chunk::Start { id, header, public } => {
                let partial = self.store.partial_path(&header);
                let file = File::create(&partial)
                    .map_err(|err| log::error!("replay {}: {err}", partial.display()))
                    .ok();
                let mut open = OpenFile {
                    file,
                    partial,
                    bytes: 0,
                    chunks: 0,
                    finish: None,
                    public,
                    header,
                };
                let bytes = encode_header(&open.header);
                open.write(&bytes);
                self.open.insert(id, open);
            }
            Chunk::Append { id, bytes } => {
                let Some(open) = self.open.get_mut(&id) else {
                    return;
                };
                open.write(&bytes);
                open.chunks += 1;
                if open.finish.as_ref().is_some_and(|f| f.2 == open.chunks) {
                    if let Some((tail, end, _)) = open.finish.take() {
                        self.file(id, tail, end);
                    }
                }
            }
            Chunk::Finish {
                id,
                tail,
                end,
                chunks,
            } => match self.open.get_mut(&id) {
                Some(open) if open.chunks < chunks => open.finish = Some((tail, end, chunks)),
                Some(_) => self.file(id, tail, end),
                None => {}
            },
        }
    }

    /// Writes the last bytes, syncs, and hands the file to the store.
    fn file(&mut self, id: u64, tail: Vec<u8>, end: MatchEnd) {
        let Some(mut open) = self.open.remove(&id) else {
            return;
        };
        let queue = self.queue.clone();
        let _filed = Filed(&queue);
        open.write(&tail);
        let synced = open.file.take().map(|file| file.sync_all());
        let finished = FinishedMatch {
            header: *open.header,
            public: open.public,
            end,
            bytes: open.bytes,
        };
        match synced {
            Some(Ok(())) => self.store.file_match(&open.partial, finished),
            Some(Err(err)) => {
                log::error!("replay {}: {err}", open.partial.display());
                self.store.discard(&open.partial);
            }
            None => self.store.discard(&open.partial),
        }
    }
}

/// Counts a recording out of `Queue::unfiled` when dropped, however its filing ends.
struct Filed<'a>(&'a Queue);

impl Drop for Filed<'_> {
    fn drop(&mut self) {
        self.0.unfiled.fetch_sub(1, Ordering::Relaxed);
    }
}

impl OpenFile {
    fn write(&mut self, bytes: &[u8]) {
        let Some(file) = &mut self.file else {
            return;
        };
        match file.write_all(bytes) {
            Ok(()) => self.bytes += bytes.len() as u64,
            Err(err) => {
                log::error!("replay {}: {err}", self.partial.display());
                self.file = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::protocol::Slot;
    use crate::protocol::{PlayerId, RoomId};
    use std::sync::Arc;

    use super::*;
    use crate::game::arena::Arena;
    use crate::game::map::Map;
    use crate::game::{Game, StepInputs};
    use crate::replay::recorder::arena_header;
    use crate::replay::verify;

    fn open_map() -> Arc<Map> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/maps/open.json");
        let text = std::fs::read_to_string(path).expect("assets/maps/open.json is readable");
        Arc::new(Map::from_json(&text).expect("the bundled map is valid"))
    }

    #[test]
    fn a_full_queue_truncates_the_recording_and_never_loses_its_end() {
        // Room for one chunk, and nobody taking it: the second second's chunk finds it full.
        let (sender, receiver) = mpsc::sync_channel(1);
        let queue = Arc::new(Queue {
            sender,
            overflow: Mutex::new(Vec::new()),
            unfiled: AtomicUsize::new(0),
        });
        let handle = WriterHandle { id: 7, queue };
        let overflow = handle.queue.clone();
        let mut arena = Arena::new(open_map(), 30, 3);
        let header = arena_header(&arena, (RoomId(1), "full"), 30, 3);
        let mut recording = Recording::new(handle, 30);
        let mut inputs = StepInputs::default();
        let mut events = Vec::new();
        for step in 1..=75u32 {
            inputs.clear();
            if step == 1 {
                inputs.joins.push(Slot(0));
            }
            let input = crate::game::arena::ArenaInput {
                movement: 8,
                aim: 0.0,
                fire: true,
                render_tick: 0,
            };
            inputs.commands.push((Slot(0), input));
            recording.before_step(&inputs, &arena, &|_| (PlayerId(1), "ada".into(), false));
            arena.step(&inputs, &mut events);
            recording.after_step(&arena);
        }
        recording.finish(&arena);

        let mut file = encode_header(&header);
        let Ok(Chunk::Append { bytes, .. }) = receiver.try_recv() else {
            panic!("the first second's chunk is queued");
        };
        file.extend(bytes);
        assert!(receiver.try_recv().is_err(), "the second chunk was dropped");
        let late = std::mem::take(&mut *overflow.overflow.lock().expect("not poisoned"));
        let [Chunk::Finish {
            tail, end, chunks, ..
        }] = &late[..]
        else {
            panic!("the finish waits in the overflow");
        };
        assert_eq!(*chunks, 1);
        assert!(end.truncated);
        assert_eq!((end.recorded_ticks, end.room_ticks), (30, 75));
        file.extend(tail);
        let summary = verify(&file).expect("the recorded part verifies");
        assert!(summary.truncated);
        assert_eq!(summary.ticks, 30);
        assert_eq!(arena.tick(), 75);
    }
}
