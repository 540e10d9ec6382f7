set threads abc
