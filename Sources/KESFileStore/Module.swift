enum KESFileStoreModule {}
