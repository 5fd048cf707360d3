//! The process's limit on open files. Every connection holds one file descriptor, so the
//! server (and the load tool, which holds the other end) raises its soft limit before it
//! serves: the default soft limit (often 1,024) is far below what thousands of clients need.
//!
//! Only the limits are touched here; nothing opens or counts files.

use std::io;

use rlimit::{Resource, SysLimits};

/// The open-files limits in force after raising them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub soft: u64,
    pub hard: u64,
}

/// Raises the soft limit to the hard limit (any process may). Never lowers anything.
pub fn raise_to_hard() -> io::Result<OpenFiles> {
    let (soft, hard) = Resource::NOFILE.get()?;
    if soft < hard {
        Resource::NOFILE.set(hard, hard)?;
    }
    Ok(OpenFiles {
        soft: soft.max(hard),
        hard,
    })
}

/// Raises the soft limit to the hard limit and, when that is below `wanted` and the process
/// may raise it (root, or `CAP_SYS_RESOURCE`), the hard limit too, up to `wanted` but no
/// higher than the kernel's ceiling (`/proc/sys/fs/nr_open`). A hard limit that cannot be
/// raised is no error: the returned limits tell what was achieved.
pub fn raise_towards(wanted: u64) -> io::Result<OpenFiles> {
    let (_, hard) = Resource::NOFILE.get()?;
    if hard < wanted {
        let ceiling = SysLimits::read()
            .ok()
            .and_then(|limits| limits.nr_open)
            .unwrap_or(wanted);
        let target = wanted.min(ceiling);
        if target > hard {
            // Refused without the privilege: then the hard limit stays as it is.
            let _ = Resource::NOFILE.set(target, target);
        }
    }
    raise_to_hard()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit_and_nothing_is_lowered() {
        let (_, hard_before) = Resource::NOFILE.get().expect("getrlimit works");
        let raised = raise_towards(0).expect("the limits can be read");
        assert_eq!(raised.soft, raised.hard);
        assert!(raised.hard >= hard_before);
        assert_eq!(
            Resource::NOFILE.get().expect("getrlimit works"),
            (raised.soft, raised.hard)
        );
        assert_eq!(raise_to_hard().expect("the limits can be read"), raised);
    }
}
