"""The reference Stratum V1 pool: server, jobs, share validation, simnet,
node source, and the bundled miner."""
