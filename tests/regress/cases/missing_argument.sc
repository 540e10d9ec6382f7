set threads
