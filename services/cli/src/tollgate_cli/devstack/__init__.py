"""The local stack behind `tollgate dev`: plan it, write its files, supervise its processes."""
