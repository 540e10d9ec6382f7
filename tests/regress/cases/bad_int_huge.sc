set threads 1e99
