print("crashpipe")
