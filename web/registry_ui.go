package web

func (s *Server) routesRegistry() {}
