echo outer
source inner.sc
echo not reached
