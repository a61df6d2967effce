enum KESCoreModule {}
