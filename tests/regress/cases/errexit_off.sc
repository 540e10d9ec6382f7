set errexit off
bogus
echo still running
