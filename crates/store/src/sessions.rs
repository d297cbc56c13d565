//! Sessions: refresh-token families with rotation and reuse detection.
