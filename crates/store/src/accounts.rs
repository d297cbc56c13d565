//! Accounts: full and guest users, guest devices.
