enum KESServerModule {}
