set threads 1 2
