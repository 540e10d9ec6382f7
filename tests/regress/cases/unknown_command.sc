echo before
hlep
echo after
