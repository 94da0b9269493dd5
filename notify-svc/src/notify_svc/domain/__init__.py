"""Pure notification logic: who a broadcast reaches and what it says. No I/O."""
