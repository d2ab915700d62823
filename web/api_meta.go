package web

func (s *Server) routesAPIMeta() {}
