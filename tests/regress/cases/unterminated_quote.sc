echo "never closed
echo not reached
